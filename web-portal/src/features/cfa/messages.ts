import { defineMessages } from '../../i18n/define.js';

export const cfaMessages = defineMessages({ en: {}, ru: {}, zh: {} });
