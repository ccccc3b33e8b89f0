import { defineMessages } from '../../i18n/define.js';
import { en } from './messages.en.js';
import { ru } from './messages.ru.js';
import { zh } from './messages.zh.js';

/**
 * The CFA screens' words. Money is the settlement token in roubles (kopecks on chain); the
 * terms follow Russian practice for digital financial assets (ЦФА: выпуск, размещение,
 * погашение) and their Chinese counterparts (数字金融资产: 发行, 配售, 兑付). `error.<CODE>`
 * are the cfa contract's refusal codes (data-plane/contracts/src/cfa/util.ts).
 */
export const cfaMessages = defineMessages({ en, ru, zh });
