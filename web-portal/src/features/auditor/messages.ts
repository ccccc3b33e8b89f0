import { defineMessages } from '../../i18n/define.js';

export const auditorMessages = defineMessages({ en: {}, ru: {}, zh: {} });
