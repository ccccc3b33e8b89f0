import { defineMessages } from '../../i18n/define.js';

export const authMessages = defineMessages({
  en: {
    'auth.title': 'Sign in to Konsortium',
    'auth.lead': 'Digital financial assets, encrypted data exchange and voting on the consortium ledger.',
    'auth.email': 'E-mail',
    'auth.password': 'Password',
    'auth.submit': 'Sign in',
    'auth.signingIn': 'Signing in…',
    'error.INVALID_CREDENTIALS': 'The e-mail or the password is wrong. Check both and try again.',
  },
  ru: {
    'auth.title': 'Вход в Konsortium',
    'auth.lead': 'Цифровые финансовые активы, обмен зашифрованными данными и голосования в реестре консорциума.',
    'auth.email': 'Электронная почта',
    'auth.password': 'Пароль',
    'auth.submit': 'Войти',
    'auth.signingIn': 'Вход…',
    'error.INVALID_CREDENTIALS': 'Неверная почта или пароль. Проверьте и повторите.',
  },
  zh: {
    'auth.title': '登录 Konsortium',
    'auth.lead': '联盟账本上的数字金融资产、加密数据交换与投票。',
    'auth.email': '电子邮箱',
    'auth.password': '密码',
    'auth.submit': '登录',
    'auth.signingIn': '正在登录…',
    'error.INVALID_CREDENTIALS': '邮箱或密码错误。请检查后重试。',
  },
});
