/**
 * The pretrained ImageNet weights this package knows how to fetch: one table, data only.
 *
 * Where the facts come from:
 * - torchvision 0.14 `torchvision/models/efficientnet.py` (`EfficientNet_BX_Weights.IMAGENET1K_V1`):
 *   URLs, the sha256 prefix torch.hub embeds in each file name, `acc@1`, and the eval transform;
 *   B5-B7 are lukemelas' TF ports, hence eps 1e-3 (torchvision builds them with eps=0.001);
 * - timm `timm/models/efficientnet.py` default cfgs (`tf_efficientnet_bX`, the AutoAugment `_aa`
 *   files for B0-B4 and B6, RandAugment `_ra` for B5 and B7): URLs, input size and crop_pct
 *   (timmTfPolicy); TF ports: TF SAME padding, eps 1e-3;
 * - lukemelas EfficientNet-PyTorch `efficientnet_pytorch/utils.py` `url_map` (release 1.0) and
 *   its README's top-1 table; TF ports: TF SAME padding, eps 1e-3. Preprocessing: the TF eval crop
 *   (timmTfPolicy), as for the same checkpoints in timm.
 * Each file name carries the first 8 hex digits of the file's sha256 (torch.hub's check_hash rule);
 * `sha256` holds the full digest where it is known, and the fetch checks whichever is longest.
 */
import type { PaddingMode } from '../arch';
import type { WeightFormat } from './key-maps';

/** The eval preprocessing a source's weights were measured with. */
export type SourcePolicy = 'torchvision-v1' | 'timm-tf';

/** One fetchable weight file. */
export interface WeightSource {
  /** 'torchvision:b0', 'timm:tf_efficientnet_b0', 'lukemelas:efficientnet-b0'. */
  id: string;
  variant: 'b0' | 'b1' | 'b2' | 'b3' | 'b4' | 'b5' | 'b6' | 'b7';
  /** Who published it (and its key naming). */
  format: WeightFormat;
  /** Where it is downloaded from (the base URL can be overridden, see fetch.ts). */
  url: string;
  /** The file name in the cache (the last URL segment). */
  fileName: string;
  /** Hex sha256: the full digest, or the 8-digit prefix from the file name. */
  sha256: string;
  policy: SourcePolicy;
  padding: PaddingMode;
  bnEps: number;
  /** Class names of the classifier. */
  labels: 'imagenet-1k';
  /** Published ImageNet-1k top-1 (%), as its publisher reports it; undefined when none is published. */
  top1: number | undefined;
}

type Variant = WeightSource['variant'];

const TORCHVISION: Record<Variant, [string, number]> = {
  b0: ['efficientnet_b0_rwightman-3dd342df.pth', 77.692],
  b1: ['efficientnet_b1_rwightman-533bc792.pth', 78.642],
  b2: ['efficientnet_b2_rwightman-bcdf34b7.pth', 80.608],
  b3: ['efficientnet_b3_rwightman-cf984f9c.pth', 82.008],
  b4: ['efficientnet_b4_rwightman-7eb33cd5.pth', 83.384],
  b5: ['efficientnet_b5_lukemelas-b6417697.pth', 83.444],
  b6: ['efficientnet_b6_lukemelas-c76e70fd.pth', 84.008],
  b7: ['efficientnet_b7_lukemelas-dcc49843.pth', 84.122],
};

const TIMM: Record<Variant, string> = {
  b0: 'tf_efficientnet_b0_aa-827b6e33.pth',
  b1: 'tf_efficientnet_b1_aa-ea7a6ee0.pth',
  b2: 'tf_efficientnet_b2_aa-60c94f97.pth',
  b3: 'tf_efficientnet_b3_aa-84b4657e.pth',
  b4: 'tf_efficientnet_b4_aa-818f208c.pth',
  b5: 'tf_efficientnet_b5_ra-9a3e5369.pth',
  b6: 'tf_efficientnet_b6_aa-80ba17e4.pth',
  b7: 'tf_efficientnet_b7_ra-6c08e654.pth',
};

const LUKEMELAS: Record<Variant, [string, number]> = {
  b0: ['efficientnet-b0-355c32eb.pth', 76.3],
  b1: ['efficientnet-b1-f1951068.pth', 78.8],
  b2: ['efficientnet-b2-8bb594d6.pth', 79.8],
  b3: ['efficientnet-b3-5fb5a3c3.pth', 81.1],
  b4: ['efficientnet-b4-6ed6700e.pth', 82.6],
  b5: ['efficientnet-b5-b6417697.pth', 83.3],
  b6: ['efficientnet-b6-c76e70fd.pth', 84.0],
  b7: ['efficientnet-b7-dcc49843.pth', 84.4],
};

const BASE_URLS: Record<WeightFormat, string> = {
  torchvision: 'https://download.pytorch.org/models/',
  timm: 'https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-weights/',
  lukemelas: 'https://github.com/lukemelas/EfficientNet-PyTorch/releases/download/1.0/',
};

const hashOf = (fileName: string): string => /-([0-9a-f]{8,64})\.pth$/.exec(fileName)![1]!;

const VARIANTS = Object.keys(TORCHVISION) as Variant[];

/** Every known source, torchvision first (the 'imagenet' default), then timm, then lukemelas. */
export const WEIGHT_SOURCES: readonly WeightSource[] = [
  ...VARIANTS.map((v): WeightSource => {
    const [fileName, top1] = TORCHVISION[v];
    const tf = v === 'b5' || v === 'b6' || v === 'b7';
    return {
      id: `torchvision:${v}`, variant: v, format: 'torchvision', url: BASE_URLS.torchvision + fileName, fileName,
      sha256: hashOf(fileName), policy: 'torchvision-v1', padding: 'symmetric', bnEps: tf ? 1e-3 : 1e-5,
      labels: 'imagenet-1k', top1,
    };
  }),
  ...VARIANTS.map((v): WeightSource => ({
    id: `timm:tf_efficientnet_${v}`, variant: v, format: 'timm', url: BASE_URLS.timm + TIMM[v], fileName: TIMM[v],
    sha256: hashOf(TIMM[v]), policy: 'timm-tf', padding: 'same', bnEps: 1e-3, labels: 'imagenet-1k', top1: undefined,
  })),
  ...VARIANTS.map((v): WeightSource => {
    const [fileName, top1] = LUKEMELAS[v];
    return {
      id: `lukemelas:efficientnet-${v}`, variant: v, format: 'lukemelas', url: BASE_URLS.lukemelas + fileName, fileName,
      sha256: hashOf(fileName), policy: 'timm-tf', padding: 'same', bnEps: 1e-3, labels: 'imagenet-1k', top1,
    };
  }),
];

/**
 * The source an id names. 'imagenet' (with a variant) is the variant's torchvision weights; ids
 * may also be written without the source's own prefix ('timm:b3', 'lukemelas:b3').
 *
 * @param id - 'imagenet', 'torchvision:b3', 'timm:tf_efficientnet_b3', 'timm:b3',
 *   'lukemelas:efficientnet-b3', 'lukemelas:b3'
 * @param variant - the model's variant, for 'imagenet'
 * @returns the source, or undefined when the id names none
 * @throws never
 */
export function findWeightSource(id: string, variant?: string): WeightSource | undefined {
  if (id === 'imagenet') return WEIGHT_SOURCES.find((s) => s.id === `torchvision:${variant}`);
  const exact = WEIGHT_SOURCES.find((s) => s.id === id);
  if (exact) return exact;
  const m = /^(torchvision|timm|lukemelas):(b[0-7])$/.exec(id);
  return m ? WEIGHT_SOURCES.find((s) => s.format === m[1] && s.variant === m[2]) : undefined;
}

/**
 * True when a `weights` string is meant as a source id rather than a file path.
 *
 * @param value - the weights option
 * @returns whether it is 'imagenet' or starts with 'torchvision:', 'timm:' or 'lukemelas:'
 * @throws never
 */
export function isWeightSourceId(value: string): boolean {
  return value === 'imagenet' || /^(torchvision|timm|lukemelas):/.test(value);
}

/**
 * The padding and BN epsilon a weight FILE implies by its name: timm's `tf_efficientnet_*` ports
 * (TF SAME, eps 1e-3) carry the same keys as its PyTorch-trained weights, so the name is the clue.
 *
 * @param path - the file path
 * @returns the defaults, or undefined when the name says nothing
 * @throws never
 */
export function defaultsFromFileName(path: string): { padding: PaddingMode; bnEps: number } | undefined {
  const base = path.split(/[\\/]/).pop() ?? '';
  return /^tf_efficientnet_/.test(base) ? { padding: 'same', bnEps: 1e-3 } : undefined;
}
