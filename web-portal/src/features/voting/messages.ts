import { defineMessages } from '../../i18n/define.js';

export const votingMessages = defineMessages({ en: {}, ru: {}, zh: {} });
