import { createInterface } from 'node:readline'

/** Ask on the terminal without echoing what is typed. */
export async function promptHidden (question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true })
  const out = rl as unknown as { _writeToOutput: (s: string) => void }
  let asked = false
  out._writeToOutput = (s: string) => {
    if (!asked) { process.stderr.write(s); asked = true }
  }
  try {
    return await new Promise<string>(resolve => { rl.question(question, resolve) })
  } finally {
    rl.close()
    process.stderr.write('\n')
  }
}

/** Read a whole (small) standard input, for piped recovery phrases. */
export async function readStdin (max = 4096): Promise<string> {
  let text = ''
  for await (const chunk of process.stdin) {
    text += chunk
    if (text.length > max) throw new Error('input too long')
  }
  return text
}

export async function promptLine (question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true })
  try {
    return await new Promise<string>(resolve => { rl.question(question, resolve) })
  } finally {
    rl.close()
  }
}
