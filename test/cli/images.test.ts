// `efficientnet classify` and `efficientnet cam` as a user meets them: output formats, per-file
// failures that do not stop the others, exit codes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli';

const IMAGES = path.join(__dirname, '..', 'fixtures/images');
const dir = mkdtempSync(path.join(tmpdir(), 'effnet-cli-images-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const good = [path.join(IMAGES, 'coffee-square.png'), path.join(IMAGES, 'rocket-adobergb.jpg')];
const truncated = path.join(dir, 'truncated.jpg');
writeFileSync(truncated, readFileSync(good[1]).subarray(0, 300));
const missing = path.join(dir, 'missing.png');

describe('efficientnet classify', () => {
  it('prints FILE, then LABEL and PROBABILITY per class, one line per file in order', () => {
    const r = cli(['classify', '--random', '--top', '3', ...good]);
    expect(r.code).toBe(0);
    const lines = r.stdout.toString().trim().split('\n');
    expect(lines.map((l) => l.split('\t')[0])).toEqual(good);
    for (const line of lines) {
      const cells = line.split('\t');
      expect(cells).toHaveLength(7);
      expect(Number(cells[2])).toBeGreaterThan(0);
    }
    expect(r.stderr).toMatch(/--random weights/);
  });

  it('reports failing files (stderr / JSON error objects) and answers the rest; exit 1', () => {
    const files = [good[0], missing, truncated, good[1]];
    const text = cli(['classify', '--random', '--top', '1', ...files]);
    expect(text.code).toBe(1);
    expect(text.stdout.toString().trim().split('\n').map((l) => l.split('\t')[0])).toEqual([good[0], good[1]]);
    expect(text.stderr).toMatch(/missing\.png: ERR_IMAGE_NOT_FOUND/);
    expect(text.stderr).toMatch(/truncated\.jpg: ERR_IMAGE_DECODE/);
    expect(text.stderr).toMatch(/2 of 4 files failed/);

    const json = cli(['classify', '--random', '--json', ...files]);
    expect(json.code).toBe(1);
    const rows = json.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => r.file)).toEqual(files);
    expect(rows.map((r) => (r.error as { code?: string } | undefined)?.code ?? 'ok')).toEqual(['ok', 'ERR_IMAGE_NOT_FOUND', 'ERR_IMAGE_DECODE', 'ok']);
    expect((rows[0].predictions as unknown[]).length).toBe(5);
    expect(rows[0]).toMatchObject({ random: true });
  });

  it.each([
    ['no files', ['classify', '--random'], /no image files/],
    ['a bad --top', ['classify', '--random', '--top', '0', good[0]], /--top expects a positive integer/],
  ])('%s is a usage error (exit 2)', (_name, args, message) => {
    const r = cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe('efficientnet cam', () => {
  it('writes the overlay PNG at the model input size and names the class', async () => {
    const out = path.join(dir, 'cam.png');
    const r = cli(['cam', good[0], '--random', '--class', '7', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout.toString().trim().split('\t').slice(0, 2)).toEqual(['7', 'cock']);
    const meta = await sharp(out).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 224, 224]);
  });

  it('writes one PNG per class with --top, and fails with exit 1 on a bad image', () => {
    const out = path.join(dir, 'top.png');
    const r = cli(['cam', good[1], '--random', '--top', '2', '--out', out]);
    expect(r.code).toBe(0);
    const files = r.stdout.toString().trim().split('\n').map((l) => l.split('\t')[3]);
    expect(files).toHaveLength(2);
    for (const f of files) expect(f).toMatch(/top-\d+\.png$/);
    const bad = cli(['cam', truncated, '--random', '--out', out]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/ERR_IMAGE_DECODE/);
    expect(cli(['cam', good[0], '--random', '--class', '1', '--top', '2', '--out', out]).code).toBe(2);
    expect(cli(['cam', good[0], '--random']).stderr).toMatch(/--out is required/);
  });
});
