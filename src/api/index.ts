export { createApiServer, DEFAULT_API_PORT, DEFAULT_MAX_BODY_BYTES } from './server.ts'
export type { ApiInit, ApiServer } from './server.ts'
export { apiErrorStatus } from './errors.ts'
export type { ApiErrorBody } from './errors.ts'
export { apiFilePaths } from './api-files.ts'
export type {
  ApiBackend, ConnectionPath, ConnectResult, ContactView, HearthEvent, IdentityView, PeerView, StatusView
} from './backend.ts'
