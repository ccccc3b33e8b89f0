import { defineMessages } from '../../i18n/define.js';

export const operatorMessages = defineMessages({ en: {}, ru: {}, zh: {} });
