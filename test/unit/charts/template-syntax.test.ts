// Go-template syntax checks a missing helm binary cannot do for us: balanced delimiters and
// one `end` per block, in every template file.
import { describe, expect, it } from 'vitest';
import { readTemplate, templateFiles } from './read-chart.js';

const count = (text: string, pattern: RegExp): number => text.match(pattern)?.length ?? 0;

describe('chart templates', () => {
  it.each(templateFiles())('%s has balanced {{ }} and one end per block', (name) => {
    const text = readTemplate(name).replace(/\{\{-?\s*\/\*[\s\S]*?\*\/\s*-?\}\}/g, '');
    expect(count(text, /\{\{/g), 'opening {{').toBe(count(text, /\}\}/g));
    const opened = count(text, /\{\{-?\s*(if|range|with|define|block)\b/g);
    const ended = count(text, /\{\{-?\s*end\s*-?\}\}/g);
    expect(ended, 'end').toBe(opened);
    // no action spans lines (a frequent slip that helm reports only at install time)
    expect(text.split('\n').filter((l) => count(l, /\{\{/g) !== count(l, /\}\}/g))).toEqual([]);
  });

  it('are the expected files', () => {
    expect(templateFiles()).toEqual(
      expect.arrayContaining([
        '_helpers.tpl',
        'deployment.yaml',
        'serviceaccount.yaml',
        'role.yaml',
        'rolebinding.yaml',
        'secret.yaml',
        'configmap-handlers.yaml',
        'NOTES.txt',
      ]),
    );
  });
});
