import { reportCharAndNameAsText } from './migration-adapter';

describe('reportCharAndNameAsText', () => {
  it('relabels "char" (18) and name (19) columns as text (25), and nothing else', () => {
    const result = {
      rows: [['r', 'pg_class', 7]],
      fields: [
        { name: 'relkind', dataTypeID: 18 },
        { name: 'relname', dataTypeID: 19 },
        { name: 'relnatts', dataTypeID: 21 },
      ],
    };
    reportCharAndNameAsText(result);
    expect(result.fields.map((f) => f.dataTypeID)).toEqual([25, 25, 21]);
    expect(result.rows).toEqual([['r', 'pg_class', 7]]);
  });

  it('handles the array of results of a multi-statement query and odd inputs', () => {
    const results = [{ fields: [{ dataTypeID: 18 }] }, { fields: [] }, {}];
    reportCharAndNameAsText(results);
    expect(results[0].fields).toEqual([{ dataTypeID: 25 }]);
    expect(() => reportCharAndNameAsText(undefined)).not.toThrow();
    expect(() => reportCharAndNameAsText(null)).not.toThrow();
  });
});
