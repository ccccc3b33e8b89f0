import { defineMessages } from '../../i18n/define.js';

export const homeMessages = defineMessages({
  en: {
    'home.title': 'Overview',
    'home.tenant': '{name}: {plan, select, shared {shared nodes} dedicated {dedicated nodes} other {{plan}}}, {status, select, active {active} suspended {suspended} other {{status}}}',
    'home.platform': 'The consortium’s platform.',
    'home.cfa': 'Issue digital financial assets, place them, trade with delivery versus payment, redeem.',
    'home.data': 'Encrypt documents in your browser, share them, and see who read them.',
    'home.voting': 'Create ballots, vote, and verify the count yourself.',
    'home.operator': 'Tenants, networks, nodes, fees and integrity reports.',
    'home.auditor': 'Blocks, chain integrity and the movement registry with proofs.',
  },
  ru: {
    'home.title': 'Обзор',
    'home.tenant': '{name}: {plan, select, shared {общие узлы} dedicated {выделенные узлы} other {{plan}}}, {status, select, active {активен} suspended {приостановлен} other {{status}}}',
    'home.platform': 'Платформа консорциума.',
    'home.cfa': 'Выпуск цифровых финансовых активов, размещение, сделки «поставка против платежа», погашение.',
    'home.data': 'Шифрование документов в браузере, предоставление доступа и журнал обращений.',
    'home.voting': 'Создание голосований, голосование и самостоятельная проверка подсчёта.',
    'home.operator': 'Клиенты, сети, узлы, комиссии и отчёты о целостности.',
    'home.auditor': 'Блоки, целостность цепочки и реестр движений с доказательствами.',
  },
  zh: {
    'home.title': '概览',
    'home.tenant': '{name}：{plan, select, shared {共享节点} dedicated {专属节点} other {{plan}}}，{status, select, active {正常} suspended {已暂停} other {{status}}}',
    'home.platform': '联盟平台。',
    'home.cfa': '发行数字金融资产、配售、券款对付交易与兑付。',
    'home.data': '在浏览器中加密文件、共享并查看访问记录。',
    'home.voting': '创建投票、投票并自行核验计票。',
    'home.operator': '租户、网络、节点、费用与完整性报告。',
    'home.auditor': '区块、链完整性及带证明的资产变动登记簿。',
  },
});
