/**
 * pluginLogFile is taken with String(): a non-string value (null from a template, a number,
 * an object) becomes a relative file name ("null", "[object Object]") in the runtime's
 * working directory instead of a config error naming the field.
 */
import { parseConfig } from '../../../cni/config';
import { CNI_CODES, CniError } from '../../../cni/errors';

const good = { cniVersion: '1.1.0', name: 'ledger', type: 'ledger-cni' };

describe('Function: parseConfig (pluginLogFile)', () => {
  it.each([[null], [42], [{ file: '/var/log/x.log' }]])(
    'rejects pluginLogFile=%j with code 7 naming the field',
    (value) => {
      // Act
      let error: unknown;
      try {
        parseConfig({ ...good, pluginLogFile: value });
      } catch (e) {
        error = e;
      }

      // Assess
      expect(error).toBeInstanceOf(CniError);
      expect((error as CniError).code).toBe(CNI_CODES.invalidConfig);
      expect((error as CniError).message).toContain('pluginLogFile');
    },
  );
});
