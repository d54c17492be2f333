/**
 * `npm start`: the whole stack on embedded defaults (three subgraphs and the gateway, in-process
 * stores, development keys), in one terminal with readable logs. Ctrl-C stops everything.
 */
import concurrently from 'concurrently';

const pretty =
  '| pino-pretty --colorize --translateTime SYS:HH:MM:ss.l --ignore pid,hostname,service --singleLine';
const { result } = concurrently(
  [
    { name: 'product', command: `tsx subgraphs/main.ts product ${pretty}`, prefixColor: 'magenta' },
    { name: 'user', command: `tsx subgraphs/main.ts user ${pretty}`, prefixColor: 'cyan' },
    { name: 'payment', command: `tsx subgraphs/main.ts payment ${pretty}`, prefixColor: 'yellow' },
    { name: 'gateway', command: `tsx src/main.ts ${pretty}`, prefixColor: 'green' },
  ],
  { prefix: '[{name}]', killOthersOn: ['failure'], restartTries: 0 },
);

result.then(
  () => process.exit(0),
  () => process.exit(1),
);
