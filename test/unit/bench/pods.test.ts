import { benchPod } from '../../../bench/lib/pods';

describe('Function: benchPod', () => {
  it('gives every pod of a run its own container id, 16 characters long', () => {
    // Act
    const ids = Array.from({ length: 1000 }, (_, n) => benchPod('mem', n, 'bam1').containerId);

    // Assess
    expect(new Set(ids).size).toBe(1000);
    expect(ids.every((id) => id.length === 16)).toBe(true);
  });
});
