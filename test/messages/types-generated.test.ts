import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { generateTypes, OUTPUT } from '../../scripts/gen-types.ts'

describe('src/agreements/types.generated.ts', () => {
  it('is exactly what scripts/gen-types.ts makes from the schemas (run npm run gen:types after changing one)', async () => {
    expect(await generateTypes()).toBe(await readFile(OUTPUT, 'utf8'))
  })
})
