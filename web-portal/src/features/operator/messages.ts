import { defineMessages } from '../../i18n/define.js';
import { en } from './messages.en.js';
import { ru } from './messages.ru.js';
import { zh } from './messages.zh.js';

/** The operator console: tenants, networks, nodes, CFA administration, fees, integrity. */
export const operatorMessages = defineMessages({ en, ru, zh });
