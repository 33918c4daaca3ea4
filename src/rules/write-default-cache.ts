/**
 * Build step (`npm run build`): writes the default pack, parsed from rules/default.yaml, to
 * dist/default-pack.json, which loadRuleSet reads instead of the YAML while the hash matches.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { defaultPackCachePath, defaultPackPath, hashRuleText, parseYamlRules, type DefaultPackCache } from './load.js'

const text = readFileSync(defaultPackPath(), 'utf8')
const cache: DefaultPackCache = { sha256: hashRuleText(text), data: parseYamlRules(text) }
const path = defaultPackCachePath()
writeFileSync(`${path}.tmp`, JSON.stringify(cache))
renameSync(`${path}.tmp`, path)
