import * as fs from 'fs';
import * as path from 'path';
import { recordTypecheckPassed, typecheckInputsDigest, typecheckIsCurrent } from '../tools/typecheck-stamp';
import { tempDir } from './render';

describe('the type-check stamp of npm test', () => {
  test('a passed check is current until any input tsc reads changes', () => {
    const t = tempDir();
    try {
      const write = (rel: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(t.dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(t.dir, rel), text);
      };
      write('tsconfig.json', '{}');
      write('package-lock.json', '{"lockfileVersion":3}');
      write('main.ts', 'export const settings = {};');
      write('lib/a.ts', 'export const a = 1;');
      write('lib/sub/data.json', '{"x":1}');
      write('test/a.test.ts', 'test("x", () => undefined);');
      const digest = typecheckInputsDigest(t.dir);
      expect(typecheckIsCurrent(t.dir, digest)).toBe(false);
      recordTypecheckPassed(t.dir, digest);
      expect(typecheckIsCurrent(t.dir, typecheckInputsDigest(t.dir))).toBe(true);
      // Each kind of input makes it stale: a source, a JSON module, the options, the type packages, a new file.
      for (const [rel, text] of [['lib/a.ts', 'export const a = 2;'], ['lib/sub/data.json', '{"x":2}'], ['tsconfig.json', '{"compilerOptions":{}}'], ['package-lock.json', '{"lockfileVersion":2}'], ['imports/new.ts', 'export {};']]) {
        const before = typecheckInputsDigest(t.dir);
        write(rel, text);
        expect({ rel, current: typecheckIsCurrent(t.dir, typecheckInputsDigest(t.dir)) }).toEqual({ rel, current: false });
        recordTypecheckPassed(t.dir, typecheckInputsDigest(t.dir));
        expect(typecheckInputsDigest(t.dir)).not.toBe(before);
      }
      // What tsc does not read does not count.
      const now = typecheckInputsDigest(t.dir);
      write('dist/0000-x.k8s.yaml', 'kind: X');
      write('README.md', '# x');
      expect(typecheckInputsDigest(t.dir)).toBe(now);
    } finally {
      t.cleanup();
    }
  });
});
