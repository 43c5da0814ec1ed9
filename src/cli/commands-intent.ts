import type { Command } from 'commander'
import { HearthError } from '../errors.ts'
import { resolveRepo } from '../repo/index.ts'
import type { IntentView, MarketIntentView, OfferView } from '../intentcast/index.ts'
import { connectClient } from './client.ts'
import { parseDuration } from './commands-agree.ts'
import { dim, print, table } from './output.ts'

type Runner = (fn: (...args: any[]) => Promise<unknown>) => (...args: any[]) => Promise<void>

export interface IntentOptions {
  repo?: string
  json?: boolean
  category?: string
  tag?: string[]
  budget?: string
  where?: string
  until?: string
  what?: string
  fulfilment?: string
  disclose?: string
  to?: string[]
  publish?: boolean
  intent?: string
  code?: string
  reason?: string
  terms?: string
  share?: string
  purpose?: string[]
  for?: string
  item?: string[]
  total?: string
  valid?: string
}

const client = async (opts: IntentOptions) => await connectClient(resolveRepo(opts.repo))
const list = (s: string | undefined): string[] => s === undefined || s === '' ? [] : s.split(',').map(x => x.trim()).filter(x => x !== '')
const bad = (flag: string, why: string): HearthError => new HearthError('INVALID_ARGUMENT', `${flag}: ${why}`)

/** '300EUR', '299.99 EUR', '200-300EUR' -> a budget; amounts stay decimal strings. */
export function parseMoney (text: string, flag: string): { min?: string, max: string, currency: string } {
  const m = /^\s*(?:(\d{1,12}(?:\.\d{1,4})?)\s*-\s*)?(\d{1,12}(?:\.\d{1,4})?)\s*([A-Za-z]{3})\s*$/.exec(text)
  if (m === null) throw bad(flag, `${JSON.stringify(text)} is not an amount with an ISO 4217 currency, such as 300EUR or 200-300EUR`)
  return { ...(m[1] !== undefined ? { min: m[1] } : {}), max: m[2]!, currency: m[3]!.toUpperCase() }
}

/** 'FR-69' (ISO 3166-2) or 'FR' (ISO 3166-1): deliberately coarse. */
export function parseWhere (text: string): { country: string, region?: string } {
  const m = /^\s*([A-Za-z]{2})(?:-([A-Za-z0-9]{1,3}))?\s*$/.exec(text)
  if (m === null) throw bad('--where', `${JSON.stringify(text)} is not a country (FR) or region (FR-69) code`)
  const country = m[1]!.toUpperCase()
  return { country, ...(m[2] !== undefined ? { region: `${country}-${m[2].toUpperCase()}` } : {}) }
}

/** '7d' / '12h' (from now) or an RFC 3339 date(-time). */
function untilOf (text: string): { expiresAt?: string, expiresInSeconds?: number } {
  if (/^\d{1,6}[smhdw]$/.test(text.trim())) return { expiresInSeconds: parseDuration(text) }
  const t = Date.parse(text)
  if (!Number.isFinite(t)) throw bad('--until', `${JSON.stringify(text)} is neither a duration (7d, 12h) nor a date (2026-12-24 or 2026-12-24T18:00:00Z)`)
  return { expiresAt: new Date(t).toISOString() }
}

/** 'Road bike 56cm:1:280EUR' -> an offer item. */
function parseItem (text: string): { name: string, quantity: number, price: { amount: string, currency: string } } {
  const parts = text.split(':')
  if (parts.length !== 3) throw bad('--item', `${JSON.stringify(text)} is not NAME:QUANTITY:PRICE, such as "Road bike 56cm:1:280EUR"`)
  const quantity = Number(parts[1])
  if (!Number.isSafeInteger(quantity) || quantity < 1) throw bad('--item', `quantity ${JSON.stringify(parts[1])} is not a whole number >= 1`)
  const { max, currency } = parseMoney(parts[2]!, '--item')
  return { name: parts[0]!.trim(), quantity, price: { amount: max, currency } }
}

const money = (m: { amount: string, currency: string } | { max: string, currency: string, min?: string } | null | undefined): string =>
  m === null || m === undefined ? '-' : 'amount' in m ? `${m.amount} ${m.currency}` : `${m.min !== undefined ? `${m.min}-` : ''}${m.max} ${m.currency}`

const describeIntent = (i: IntentView): string => [
  `Intent ${i.id}  (${i.status}${i.version > 1 ? `, version ${i.version}` : ''})`,
  `  What      ${i.what}`,
  `  Category  ${i.category}${i.tags.length > 0 ? `  tags: ${i.tags.join(', ')}` : ''}`,
  `  Budget    ${money(i.budget)}`,
  ...(i.where !== null ? [`  Where     ${i.where.region ?? i.where.country}`] : []),
  `  Until     ${i.expiresAt}`,
  `  Signed by ${i.pairwiseDid} (a key for this intent only, not your DID)`,
  `  Sent to   ${[i.published ? `the ${i.category} topic` : '', ...i.to].filter(Boolean).join(', ')}`,
  `  Offers    ${i.offers}${i.accepted !== null ? `; accepted ${i.accepted.offerId} (agreement ${i.accepted.agreementId})` : ''}`
].join('\n')

const describeOffer = (o: OfferView): string => [
  `Offer ${o.id}  (${o.status}) for intent ${o.intentId}`,
  `  From      ${o.vendor.name !== undefined ? `${o.vendor.name} ` : ''}${o.vendor.did}`,
  ...o.items.map(it => `  Item      ${it.quantity} x ${it.name} at ${money(it.price)}`),
  `  Total     ${money(o.total)}, ${o.fulfilment.method}${o.fulfilment.estimatedDelivery !== undefined ? ` by ${o.fulfilment.estimatedDelivery}` : ''}`,
  ...(o.conditions !== null ? Object.entries(o.conditions).map(([k, v]) => `  ${k.padEnd(9)} ${v}`) : []),
  ...(o.proposedAgreement !== null ? [`  Agreement ${o.proposedAgreement.termId}; you would share ${o.proposedAgreement.share.join(', ') || 'nothing'}`] : []),
  `  Valid to  ${o.validUntil}`,
  ...(o.agreementId !== null ? [`  Agreed    agreement ${o.agreementId}`] : [])
].join('\n')

async function cmdIntent (what: string[], opts: IntentOptions): Promise<void> {
  const text = what.join(' ').trim()
  if (text === '') throw bad('intent', 'say what you want, e.g. hearth intent "A used road bike, size 56" --category bicycles --budget 300EUR --until 7d')
  if (opts.category === undefined) throw bad('--category', 'required (see: hearth intent categories)')
  if (opts.until === undefined) throw bad('--until', 'required: an intent always ends (7d, 12h, or a date)')
  const body = {
    what: text,
    category: opts.category,
    ...(opts.tag !== undefined ? { tags: opts.tag } : {}),
    ...(opts.budget !== undefined ? { budget: parseMoney(opts.budget, '--budget') } : {}),
    ...(opts.where !== undefined ? { where: parseWhere(opts.where) } : {}),
    ...(opts.fulfilment !== undefined ? { fulfilment: list(opts.fulfilment) } : {}),
    ...(opts.disclose !== undefined ? { disclosureOnAccept: list(opts.disclose) } : {}),
    ...(opts.to !== undefined ? { to: opts.to } : {}),
    ...(opts.publish === false ? { publish: false } : {}),
    ...untilOf(opts.until)
  }
  const i = await (await client(opts)).post<IntentView>('/v1/intents', body)
  print(opts, i, () => `${describeIntent(i)}\n${dim('Offers arrive as vendors answer: hearth offers. Nobody learns who you are unless you accept one.')}`)
}

async function cmdIntents (opts: IntentOptions): Promise<void> {
  const { intents } = await (await client(opts)).get<{ intents: IntentView[] }>('/v1/intents')
  print(opts, { intents }, () => intents.length === 0
    ? 'No intents yet. Say what you want: hearth intent "A used road bike, size 56" --category bicycles --budget 300EUR --until 7d'
    : table([['ID', 'STATUS', 'CATEGORY', 'BUDGET', 'OFFERS', 'UNTIL', 'WHAT'], ...intents.map(i => [i.id, i.status, i.category, money(i.budget), String(i.offers), i.expiresAt.slice(0, 16), i.what.slice(0, 40)])]))
}

async function cmdIntentShow (id: string, opts: IntentOptions): Promise<void> {
  const i = await (await client(opts)).get<IntentView>(`/v1/intents/${encodeURIComponent(id)}`)
  print(opts, i, () => describeIntent(i))
}

async function cmdIntentUpdate (id: string, opts: IntentOptions): Promise<void> {
  const body = {
    ...(opts.what !== undefined ? { what: opts.what } : {}),
    ...(opts.tag !== undefined ? { tags: opts.tag } : {}),
    ...(opts.budget !== undefined ? { budget: parseMoney(opts.budget, '--budget') } : {}),
    ...(opts.where !== undefined ? { where: parseWhere(opts.where) } : {}),
    ...(opts.fulfilment !== undefined ? { fulfilment: list(opts.fulfilment) } : {}),
    ...(opts.until !== undefined ? untilOf(opts.until) : {})
  }
  if (Object.keys(body).length === 0) throw bad('update', 'nothing to change (--what, --budget, --where, --until, --tag, --fulfilment)')
  const i = await (await client(opts)).post<IntentView>(`/v1/intents/${encodeURIComponent(id)}/update`, body)
  print(opts, i, () => describeIntent(i))
}

async function cmdIntentWithdraw (id: string, opts: IntentOptions): Promise<void> {
  const i = await (await client(opts)).post<IntentView>(`/v1/intents/${encodeURIComponent(id)}/withdraw`, opts.reason !== undefined ? { reason: opts.reason } : {})
  print(opts, i, () => `${describeIntent(i)}\n${dim('Vendors are told to delete it; later offers are refused.')}`)
}

async function cmdCategories (opts: IntentOptions): Promise<void> {
  const { categories } = await (await client(opts)).get<{ categories: Array<{ id: string, label: string, description: string }> }>('/v1/categories')
  print(opts, { categories }, () => table([['CATEGORY', 'WHAT'], ...categories.map(c => [c.id, `${c.label}: ${c.description}`])]))
}

async function cmdOffers (opts: IntentOptions): Promise<void> {
  const q = opts.intent !== undefined ? `?intent=${encodeURIComponent(opts.intent)}` : ''
  const { offers } = await (await client(opts)).get<{ offers: OfferView[] }>(`/v1/offers${q}`)
  print(opts, { offers }, () => offers.length === 0
    ? 'No offers yet. They arrive while your intents are open (hearth intents).'
    : table([['OFFER', 'STATUS', 'INTENT', 'TOTAL', 'FROM', 'VALID TO'], ...offers.map(o => [o.id, o.status, o.intentId, money(o.total), o.vendor.name ?? o.vendor.did.slice(0, 24) + '…', o.validUntil.slice(0, 16)])]))
}

async function cmdOfferShow (id: string, opts: IntentOptions): Promise<void> {
  const { offers } = await (await client(opts)).get<{ offers: OfferView[] }>('/v1/offers')
  const o = offers.find(x => x.id === id)
  if (o === undefined) throw new HearthError('NOT_FOUND', `no offer ${JSON.stringify(id)} (see: hearth offers)`)
  print(opts, o, () => describeOffer(o))
}

async function cmdAccept (id: string, opts: IntentOptions): Promise<void> {
  const body = {
    ...(opts.terms !== undefined ? { termId: opts.terms } : {}),
    ...(opts.share !== undefined ? { share: list(opts.share) } : {}),
    ...(opts.purpose !== undefined ? { purposes: opts.purpose } : {}),
    ...(opts.for !== undefined ? { validForSeconds: parseDuration(opts.for) } : {})
  }
  const r = await (await client(opts)).post<{ offer: OfferView, agreement: { id: string, state: string, terms: { termId: string, share: string[] } } | null }>(`/v1/offers/${encodeURIComponent(id)}/accept`, body, { timeoutMs: 65_000 })
  print(opts, r, () => [
    describeOffer(r.offer),
    r.agreement !== null ? `Agreement ${r.agreement.id} proposed under ${r.agreement.terms.termId} (${r.agreement.state}); you share ${r.agreement.terms.share.join(', ') || 'nothing'} once it is signed.` : '',
    dim(`This vendor now knows your DID; nobody else does. Your intent is withdrawn. Follow it: hearth agree show ${r.agreement?.id ?? ''}`)
  ].filter(Boolean).join('\n'))
}

async function cmdDecline (id: string, opts: IntentOptions): Promise<void> {
  const o = await (await client(opts)).post<OfferView>(`/v1/offers/${encodeURIComponent(id)}/decline`, {
    ...(opts.code !== undefined ? { code: opts.code } : {}),
    ...(opts.reason !== undefined ? { reason: opts.reason } : {})
  })
  print(opts, o, () => `${describeOffer(o)}\n${dim('The vendor is told, without learning who you are.')}`)
}

async function cmdMarket (opts: IntentOptions): Promise<void> {
  const { intents } = await (await client(opts)).get<{ intents: MarketIntentView[] }>('/v1/market/intents')
  print(opts, { intents }, () => intents.length === 0
    ? 'No intents held. A vendor lists its categories in config.json: "intentcast": { "vendor": { "categories": ["bicycles"] } }'
    : table([['INTENT', 'CATEGORY', 'BUDGET', 'WHERE', 'UNTIL', 'WHAT'], ...intents.map(i => [i.id, i.category, money(i.budget), i.where?.region ?? i.where?.country ?? '-', i.expiresAt.slice(0, 16), i.what.slice(0, 50)])]))
}

async function cmdMarketOffer (intentId: string, opts: IntentOptions): Promise<void> {
  if (opts.item === undefined || opts.item.length === 0) throw bad('--item', 'at least one, as NAME:QUANTITY:PRICE ("Road bike 56cm:1:280EUR")')
  const items = opts.item.map(parseItem)
  let total
  if (opts.total !== undefined) {
    const t = parseMoney(opts.total, '--total')
    total = { amount: t.max, currency: t.currency }
  } else {
    const currency = items[0]!.price.currency
    if (!items.every(i => i.price.currency === currency)) throw bad('--total', 'items in several currencies: give the total')
    const cents = items.reduce((sum, i) => sum + Math.round(Number(i.price.amount) * 10_000) * i.quantity, 0)
    total = { amount: String(cents / 10_000), currency }
  }
  const body = {
    items,
    total,
    fulfilment: { method: opts.fulfilment ?? 'delivery' },
    validForSeconds: parseDuration(opts.valid ?? '1d'),
    ...(opts.terms !== undefined ? { proposedAgreement: { termId: opts.terms, share: list(opts.share), purposes: opts.purpose ?? ['dpv:ServiceProvision'], validForSeconds: parseDuration(opts.for ?? '30d') } } : {})
  }
  const o = await (await client(opts)).post<OfferView>(`/v1/market/intents/${encodeURIComponent(intentId)}/offers`, body)
  print(opts, o, () => `${describeOffer(o)}\n${dim('Sealed to the intent: only its author can read it. You learn who she is if she accepts.')}`)
}

async function cmdMarketOffers (opts: IntentOptions): Promise<void> {
  const { offers } = await (await client(opts)).get<{ offers: OfferView[] }>('/v1/market/offers')
  print(opts, { offers }, () => offers.length === 0 ? 'No offers made yet.' : table([['OFFER', 'STATUS', 'INTENT', 'TOTAL', 'AGREEMENT'], ...offers.map(o => [o.id, o.status, o.intentId, money(o.total), o.agreementId ?? '-'])]))
}

/** `hearth intent …`, `hearth intents`, `hearth offers`, `hearth offer …`, `hearth market …` (issue 4). */
export function registerIntentCommands (program: Command, run: Runner): void {
  const intent = program.command('intent')
    .description('say what you want to buy, anonymously: vendors answer with signed offers')
    .argument('[what...]', 'what you want, in words')
    .option('--category <id>', 'its category (see: hearth intent categories)')
    .option('--tag <tag...>', 'free tags, e.g. --tag road carbon')
    .option('--budget <amount>', 'what you would pay: 300EUR, or a range 200-300EUR')
    .option('--where <code>', 'coarse location: a country (FR) or region (FR-69)')
    .option('--until <when>', 'when it ends: 7d, 12h, or a date (required)')
    .option('--fulfilment <methods>', 'delivery, pickup, service-on-site (comma separated)')
    .option('--disclose <fields>', 'what you will share with the vendor you choose (e.g. postalAddress,email)')
    .option('--to <did...>', 'also send it, sealed, to these vendors')
    .option('--no-publish', 'do not publish it on its category topic (only --to vendors get it)')
    .addHelpText('after', `
Example:
  $ hearth intent "A used road bike, size 56" --category bicycles --budget 300EUR --where FR-69 --until 7d
The intent is signed by a key made for it alone: vendors cannot tell who you are, or link it to
your other intents. You reveal your DID to one vendor, by accepting its offer:
  $ hearth offers                      offers received
  $ hearth offer accept <offer>        agree with that vendor (proposes an agreement under your terms)
  $ hearth offer decline <offer>
  $ hearth intent withdraw <intent>    vendors delete it; later offers are refused`)
    .action(run(cmdIntent))
  intent.command('categories').description('the categories an intent can have').action(run(cmdCategories))
  intent.command('show').description('one of your intents').argument('<id>').action(run(cmdIntentShow))
  intent.command('withdraw').description('withdraw an intent: vendors delete it, later offers are refused').argument('<id>').option('--reason <text>').action(run(cmdIntentWithdraw))
  intent.command('update').description('change an open intent (vendors get the new version)').argument('<id>')
    .option('--what <text>').option('--tag <tag...>').option('--budget <amount>').option('--where <code>').option('--until <when>').option('--fulfilment <methods>')
    .action(run(cmdIntentUpdate))
  program.command('intents').description('your intents, their status and offers').action(run(cmdIntents))

  program.command('offers').description('offers received for your intents').option('--intent <id>', 'only for this intent').action(run(cmdOffers))
  const offer = program.command('offer').description('look at, accept or decline an offer you received')
  offer.command('show').description('one offer in detail').argument('<id>').action(run(cmdOfferShow))
  offer.command('accept').description('accept: reveals your DID to this vendor only and proposes an agreement with it').argument('<id>')
    .option('--terms <id>', 'a roster term of your own instead of the one the offer proposes (default: the offer\'s, else SD-BASE)')
    .option('--share <fields>', 'fields the agreement covers (default: as the offer proposes)')
    .option('--purpose <purpose...>', 'DPV purposes (default: as the offer proposes)')
    .option('--for <duration>', 'how long the agreement lasts (default: as the offer proposes)')
    .action(run(cmdAccept))
  offer.command('decline').description('decline an offer (the vendor learns nothing about you)').argument('<id>')
    .option('--code <code>', 'price, fulfilment, timing, terms or other').option('--reason <text>').action(run(cmdDecline))

  const market = program.command('market').description('(vendor) intents received for your categories, and your offers')
    .addHelpText('after', '\nTurn vendor mode on in config.json: "intentcast": { "vendor": { "categories": ["bicycles"], "name": "Vélo Lyon" } }')
  market.command('intents', { isDefault: true }).description('intents received and still open').action(run(cmdMarket))
  market.command('offer').description('answer an intent with a signed offer').argument('<intent>')
    .option('--item <item...>', 'NAME:QUANTITY:PRICE, e.g. "Road bike 56cm:1:280EUR"')
    .option('--total <amount>', 'the total (default: the sum of the items)')
    .option('--fulfilment <method>', 'delivery, pickup or service-on-site', 'delivery')
    .option('--valid <duration>', 'how long the offer holds (default 1d, never past the intent)')
    .option('--terms <id>', 'the agreement you will need if accepted, e.g. SD-BASE')
    .option('--share <fields>', 'fields that agreement covers, e.g. postalAddress')
    .option('--purpose <purpose...>', 'its DPV purposes (default dpv:ServiceProvision)')
    .option('--for <duration>', 'how long that agreement lasts (default 30d)')
    .action(run(cmdMarketOffer))
  market.command('offers').description('offers you made and their status').action(run(cmdMarketOffers))
}
