import path from 'node:path';
import { generatedDocs } from '../src/docs/generated-docs';

describe('generated tables in docs/', () => {
  test.each(generatedDocs(path.join(__dirname, '..')).map((d) => [d.file, d] as const))(
    '%s is what the code declares (run `npm run docs:generate` after changing a variable, a limit or an error code)',
    (_file, { current, expected }) => {
      expect(current).toBe(expected);
    },
  );
});
