// Every mistake a person makes at the command line: the exit code (0 ok, 1 some inputs failed,
// 2 usage), exactly one line on stderr that says what is wrong, and never a line of a stack trace.
import { copyFileSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EfficientNet } from '../../lib';
import { archForVariant } from '../../lib/arch';
import { encodeNpy } from '../../lib/npy';
import { seededStateDict, writeSafetensors } from '../../lib/weights';
import { cli } from '../helpers/cli';

const dir = mkdtempSync(path.join(tmpdir(), 'effnet-cli-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const x = path.join(dir, 'x.npy');
writeFileSync(x, encodeNpy({ shape: [1, 3, 64, 64], data: new Float32Array(3 * 64 * 64) }));
const adir = path.join(dir, 'adir');
mkdirSync(adir);
const photo = path.join(__dirname, '..', 'fixtures/images/coffee-square.png');
const missing = path.join(dir, 'nope.npy');
const RUN = ['run', '--random', '--variant', 'b0'];

// [what, argv, exit code, the one stderr line (a pattern)]
const CASES: Array<[string, string[], number, RegExp]> = [
  ['a missing --input', [...RUN, '--input', missing, '--output', path.join(dir, 'y.npy')], 1, /^efficientnet: .*nope\.npy: no such file or directory$/],
  ['an --input that is a folder', [...RUN, '--input', adir, '--output', path.join(dir, 'y.npy')], 1, /adir: is a directory$/],
  ['an --output that is a folder', [...RUN, '--input', x, '--output', adir, '-q'], 2, /adir: is a directory \(see "efficientnet help"\)$/],
  ['an --output in a missing folder', [...RUN, '--input', x, '--output', '/nonexistent/dir/y.npy', '-q'], 2, /\/nonexistent\/dir\/y\.npy: no such file or directory/],
  ['cam --out in a missing folder', ['cam', photo, '--random', '--out', '/nonexistent/x.png'], 2, /\/nonexistent\/x\.png: no such file or directory/],
  ['cam --out with an unknown extension', ['cam', photo, '--random', '--out', path.join(dir, 'x.gif')], 2, /extension must be \.png, \.jpg, \.jpeg or \.webp, got "\.gif"/],
  ['a mistyped long option', ['classify', photo, '--weight', 'w.safetensors'], 2, /^efficientnet: unknown option --weight \(did you mean --weights\?\)/],
  ['another mistyped option', ['classify', photo, '--jsn'], 2, /unknown option --jsn \(did you mean --json\?\)/],
  ['an unknown short option', ['classify', '-k', '3', photo], 2, /unknown option -k\b/],
  ['a mistyped command', ['clasify', photo], 2, /unknown command clasify \(did you mean classify\?\)/],
  ['help for a mistyped command', ['help', 'clasify'], 2, /unknown command clasify \(did you mean classify\?\)/],
  ['an option missing its value', ['classify', photo, '--top'], 2, /--top needs a value/],
  ['--top past the classes', ['classify', photo, '--random', '--top', '2000'], 2, /for --top but received number 2000/],
  ['--top 0', ['classify', photo, '--random', '--top', '0'], 2, /--top expects a positive integer/],
  ['--alpha out of range', ['cam', photo, '--random', '--alpha', '2', '--out', path.join(dir, 'c.png')], 2, /for --alpha but received number 2/],
  ['a negative --phi', ['summary', '--phi', '-1'], 2, /between 0 and 10 for --phi but received number -1/],
  ['a negative --bn-eps', [...RUN, '--bn-eps', '-1', '--input', x, '--output', path.join(dir, 'y.npy')], 2, /--bn-eps/],
  ['--max-pixels 0', ['classify', photo, '--random', '--max-pixels', '0'], 2, /--max-pixels expects a positive integer/],
  ['an operand where none is taken', ['info', 'extra'], 2, /unexpected argument "extra"/],
];

describe('CLI errors: exit code, one stderr line, no stack', () => {
  it.each(CASES)('%s', (_what, argv, code, line) => {
    const r = cli(argv);
    const lines = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('efficientnet: note:'));
    expect(r.code, r.stderr).toBe(code);
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(line);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('an image too large for --max-pixels fails that file (exit 1) and names the flag to raise', () => {
    const r = cli(['classify', photo, '--random', '--max-pixels', '100']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ERR_IMAGE_TOO_LARGE: .*raise --max-pixels if it is trusted/);
  });

  it.each([
    ['a negative --phi given as --phi=-1', ['summary', '--phi=-1']],
    ['help help', ['help', 'help']],
  ])('%s is understood', (_what, argv) => {
    const r = cli(argv);
    expect(r.stderr).not.toMatch(/ambiguous|unexpected error/);
  });

  it('the top-level help lists --version and the exit codes', () => {
    const help = cli(['--help']).stdout.toString();
    expect(help).toMatch(/-v, --version/);
    expect(help).toMatch(/Exit codes: 0 ok, 1 some inputs failed.*2 usage error/);
    expect(cli(['help', 'help']).stdout.toString()).toBe(help);
  });

  it('cam writes the format its --out names', () => {
    for (const [ext, magic] of [['jpg', 'ffd8ff'], ['webp', '52494646'], ['png', '89504e47']] as const) {
      const out = path.join(dir, `cam.${ext}`);
      expect(cli(['cam', photo, '--random', '--out', out]).code).toBe(0);
      expect(readFileSync(out).subarray(0, magic.length / 2).toString('hex')).toBe(magic);
    }
  });
});

describe('the variant comes from the weights when --variant is not given', () => {
  const b3 = path.join(dir, 'b3.safetensors');
  writeFileSync(b3, writeSafetensors(seededStateDict(archForVariant('b3'), 1)));

  it('API: load() without variant takes the weights\' variant and its resolution', async () => {
    const model = await EfficientNet.load({ weights: b3 });
    expect(model.arch.variant).toBe('b3');
    expect(model.resolution).toBe(300);
    model.dispose();
  });

  it('CLI: says so on stderr and classifies', () => {
    const r = cli(['classify', photo, '--weights', b3, '--top', '1']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/holds efficientnet_b3; using variant b3 \(--variant to choose\)/);
  });

  it('CLI: an explicit --variant that does not fit names the flag and the variant to ask for', () => {
    const r = cli(['classify', photo, '--weights', b3, '--variant', 'b0']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/weights look like efficientnet_b3 but variant b0 was requested in --variant .*ask for b3/);
  });
});

describe('folders of photos', () => {
  const photos = path.join(dir, 'photos');
  const images = path.join(__dirname, '..', 'fixtures/images');
  mkdirSync(path.join(photos, 'sub'), { recursive: true });
  for (const f of ['rocket-adobergb.jpg', 'coffee-square.png']) copyFileSync(path.join(images, f), path.join(photos, f));
  copyFileSync(path.join(images, 'chelsea-exif8.png'), path.join(photos, 'sub', 'chelsea-exif8.png'));
  copyFileSync(path.join(images, 'coffee-square.png'), path.join(photos, 'sub', 'coffee-square.png'));
  writeFileSync(path.join(photos, 'notes.txt'), 'not a photo');

  it('classify FOLDER: its images sorted, non-images and subfolders counted on stderr', () => {
    const r = cli(['classify', photos, '--random', '--top', '1']);
    expect(r.code).toBe(0);
    expect(r.stdout.toString().trim().split('\n').map((l) => path.basename(l.split('\t')[0]!))).toEqual(['coffee-square.png', 'rocket-adobergb.jpg']);
    expect(r.stderr).toMatch(/skipped 1 non-image file; 1 subfolder not entered \(-r to recurse\)/);
  });

  it('classify -r FOLDER: subfolders too, depth first in name order', () => {
    const r = cli(['classify', '-r', photos, '--random', '--top', '1']);
    expect(r.code).toBe(0);
    expect(r.stdout.toString().trim().split('\n').map((l) => path.relative(photos, l.split('\t')[0]!))).toEqual([
      'coffee-square.png', 'rocket-adobergb.jpg', path.join('sub', 'chelsea-exif8.png'), path.join('sub', 'coffee-square.png'),
    ]);
  });

  it('cam -r FOLDER --out DIR: one PNG per image, same names kept apart', () => {
    const out = path.join(dir, 'cams');
    const r = cli(['cam', '-r', photos, '--random', '--out', out]);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['chelsea-exif8.png', 'coffee-square-2.png', 'coffee-square.png', 'rocket-adobergb.png']);
  });

  it('an empty folder is a usage error', () => {
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    const r = cli(['classify', empty, '--random']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no images in .*empty/);
  });
});
