import { withCapacityRequested } from '../../../bench/lib/dynamo-meter';

describe('Module: dynamo-meter', () => {
  describe('Function: withCapacityRequested', () => {
    it('asks for the consumed capacity on reads and writes, keeping the rest of the request', () => {
      // Prepare
      const body = JSON.stringify({ TableName: 't', Key: { pk: { S: 'a' } } });

      // Act
      const get = JSON.parse(withCapacityRequested('GetItem', body));
      const put = JSON.parse(withCapacityRequested('PutItem', body));

      // Assess
      expect(get).toEqual({ TableName: 't', Key: { pk: { S: 'a' } }, ReturnConsumedCapacity: 'TOTAL' });
      expect(put.ReturnConsumedCapacity).toBe('TOTAL');
    });

    it('leaves other operations and unparsable bodies alone', () => {
      // Act
      const describe = withCapacityRequested('DescribeTable', '{"TableName":"t"}');
      const broken = withCapacityRequested('Query', '{not json');

      // Assess
      expect(describe).toBe('{"TableName":"t"}');
      expect(broken).toBe('{not json');
    });
  });
});
