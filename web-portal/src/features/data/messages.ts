import { defineMessages } from '../../i18n/define.js';

export const dataMessages = defineMessages({ en: {}, ru: {}, zh: {} });
