export { openStore } from './store.ts'
export type { Store, StoreInit, BatchOp, JsonSublevel } from './store.ts'
export { STORE_FORMAT_VERSION, SUBLEVELS } from './layout.ts'
