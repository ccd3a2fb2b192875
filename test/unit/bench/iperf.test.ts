import { receivedGbps } from '../../../bench/datapath/iperf';
import { DependencyError } from '../../../core/errors';

describe('Module: iperf', () => {
  describe('Function: receivedGbps', () => {
    it("reads the receiver's rate from iperf3's JSON report", () => {
      // Prepare
      const report = JSON.stringify({
        end: { sum_sent: { bits_per_second: 2.2e10 }, sum_received: { bits_per_second: 2.1e10 } },
      });

      // Act
      const gbps = receivedGbps(report);

      // Assess
      expect(gbps).toBeCloseTo(21);
    });

    it("fails with iperf3's own error when the run failed", () => {
      // Prepare
      const report = JSON.stringify({ error: 'unable to connect to server: Connection refused' });

      // Act
      const act = () => receivedGbps(report);

      // Assess
      expect(act).toThrow(DependencyError);
      expect(act).toThrow(/Connection refused/);
    });
  });
});
