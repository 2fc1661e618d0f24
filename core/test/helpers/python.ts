import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
let found: Promise<string> | undefined;

/**
 * A Python with NumPy: `$PYTHON`, `python3` on PATH, or Debian's `/usr/bin/python3`
 * (where `.ci/run` installs python3-numpy if no Python has it).
 */
export function pythonWithNumpy(): Promise<string> {
  return (found ??= (async () => {
    for (const candidate of [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c)) {
      try {
        await run(candidate, ['-c', 'import numpy']);
        return candidate;
      } catch {
        // try the next one
      }
    }
    throw new Error('no Python with NumPy found: install python3-numpy (apt-get install -y python3-numpy) or set PYTHON');
  })());
}

/** Loads a .npy with np.load(allow_pickle=False) and returns dtype, shape, sum and selected elements. */
export async function numpyLoad(file: string, elements: number[][] = []): Promise<{ dtype: string; shape: number[]; sum: number; elements: number[] }> {
  const python = await pythonWithNumpy();
  const script = [
    'import sys, json, numpy as np',
    'a = np.load(sys.argv[1], allow_pickle=False)',
    'f = a.astype(np.float32)',
    'idx = json.loads(sys.argv[2])',
    'print(json.dumps({"dtype": a.dtype.str, "shape": list(a.shape), "sum": float(f.sum(dtype=np.float64)), "elements": [float(f[tuple(i)]) for i in idx]}))',
  ].join('\n');
  const { stdout } = await run(python, ['-c', script, file, JSON.stringify(elements)]);
  return JSON.parse(stdout) as { dtype: string; shape: number[]; sum: number; elements: number[] };
}
