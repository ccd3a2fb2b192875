import { parseArgs } from '../../../bench/lib/runner';
import { InvalidInputError } from '../../../core/errors';

const KNOWN = ['plugin-latency', 'agent-memory', 'datapath', 'scale-up', 'control-plane'];

describe('Module: bench runner', () => {
  describe('Function: parseArgs', () => {
    it('runs every benchmark when none is named', () => {
      // Act
      const args = parseArgs([], KNOWN);

      // Assess
      expect(args).toEqual({ names: KNOWN, quick: false, help: false });
    });

    it('runs only the named ones, once each, in the order given, with --quick anywhere', () => {
      // Act
      const args = parseArgs(['scale-up', '--quick', 'datapath', 'scale-up'], KNOWN);

      // Assess
      expect(args).toEqual({ names: ['scale-up', 'datapath'], quick: true, help: false });
    });

    it('refuses an unknown name, naming it and the known ones', () => {
      // Act
      const act = () => parseArgs(['plugin'], KNOWN);

      // Assess
      expect(act).toThrow(InvalidInputError);
      expect(act).toThrow(/plugin.*one of plugin-latency, agent-memory, datapath, scale-up, control-plane/);
    });

    it('refuses an unknown option', () => {
      // Act
      const act = () => parseArgs(['--fast'], KNOWN);

      // Assess
      expect(act).toThrow(/--fast.*--quick or --help/);
    });
  });
});
