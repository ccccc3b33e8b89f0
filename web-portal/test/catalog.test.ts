/**
 * The message catalogs: every language has every key of every service, every message is valid
 * ICU MessageFormat with the same arguments in each language, and Russian plurals have the
 * forms Russian needs (one, few, many), where English needs only one and other.
 */
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import t from 'tap';
import { auditorMessages } from '../src/features/auditor/messages.js';
import { authMessages } from '../src/features/auth/messages.js';
import { cfaMessages } from '../src/features/cfa/messages.js';
import { dataMessages } from '../src/features/data/messages.js';
import { homeMessages } from '../src/features/home/messages.js';
import { operatorMessages } from '../src/features/operator/messages.js';
import { votingMessages } from '../src/features/voting/messages.js';
import type { Messages } from '../src/i18n/define.js';
import { uiMessages } from '../src/ui/messages.js';

type Catalog = Readonly<Record<'en' | 'ru' | 'zh', Messages>>;
const catalogs: Record<string, Catalog> = { ui: uiMessages, auth: authMessages, home: homeMessages, cfa: cfaMessages, data: dataMessages, voting: votingMessages, operator: operatorMessages, auditor: auditorMessages };

/** Argument names a message uses, and the plural forms of each plural argument. */
function shape(ast: MessageFormatElement[], args = new Set<string>(), plurals = new Map<string, Set<string>>()) {
  for (const el of ast) {
    if (el.type === TYPE.literal || el.type === TYPE.pound) continue;
    args.add(el.value);
    if (el.type === TYPE.plural || el.type === TYPE.select) {
      if (el.type === TYPE.plural) plurals.set(el.value, new Set(Object.keys(el.options)));
      for (const o of Object.values(el.options)) shape(o.value, args, plurals);
    }
    if (el.type === TYPE.tag) shape(el.children, args, plurals);
  }
  return { args, plurals };
}

for (const [name, c] of Object.entries(catalogs)) {
  t.test(`${name}: same keys, valid ICU, same arguments, plural forms`, async (t) => {
    const keys = Object.keys(c.en).sort();
    t.same(Object.keys(c.ru).sort(), keys, 'ru has exactly the English keys');
    t.same(Object.keys(c.zh).sort(), keys, 'zh has exactly the English keys');
    const problems: string[] = [];
    for (const key of keys) {
      const shapes: Record<string, ReturnType<typeof shape>> = {};
      for (const l of ['en', 'ru', 'zh'] as const) {
        try {
          shapes[l] = shape(parse(c[l][key]!));
        } catch (err) {
          problems.push(`${l} ${key}: not ICU (${(err as Error).message})`);
        }
      }
      if (!shapes.en || !shapes.ru || !shapes.zh) continue;
      for (const l of ['ru', 'zh'] as const) {
        // Chinese has no plural forms: a count that only chose the English form may go unsaid.
        const missing = [...shapes.en.args].filter((a) => !shapes[l]!.args.has(a) && !(l === 'zh' && shapes.en!.plurals.has(a)));
        if (missing.length > 0) problems.push(`${l} ${key}: lacks {${missing.join('}, {')}}`);
      }
      for (const [arg, forms] of shapes.ru.plurals) {
        const lacking = ['one', 'few', 'many', 'other'].filter((f) => !forms.has(f) && ![...forms].some((x) => x.startsWith('=')));
        if (lacking.length > 0 && !(forms.has('other') && [...forms].every((f) => f === 'other' || f.startsWith('=')) && forms.size > 1)) problems.push(`ru ${key}: plural {${arg}} lacks ${lacking.join(', ')}`);
      }
    }
    t.same(problems, [], 'no problems');
  });
}

t.test('no key is defined by two catalogs with different English text', async (t) => {
  const seen = new Map<string, { from: string; text: string }>();
  const clashes: string[] = [];
  for (const [name, c] of Object.entries(catalogs)) {
    for (const [k, v] of Object.entries(c.en)) {
      const prev = seen.get(k);
      if (prev !== undefined && prev.text !== v) clashes.push(`${k}: ${prev.from} vs ${name}`);
      seen.set(k, { from: name, text: v });
    }
  }
  t.same(clashes, []);
});
