import { main, processContext } from './sim-main';

main(process.argv.slice(2), processContext()).then((code) => {
  process.exitCode = code;
});
