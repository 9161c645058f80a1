import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'

/** Where Debian's `dataset-fashion-mnist` package puts the files (`apt-get install dataset-fashion-mnist`). */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist'

/** A set of images as float vectors (one row per image, 784 = 28x28 values in 0..255). */
export interface Images {
  readonly count: number
  readonly dim: number
  /** Row-major: image i is data.subarray(i * dim, (i + 1) * dim). */
  readonly data: Float32Array
}

/**
 * Reads an IDX image file (gzipped): magic 0x00000803, count, rows, columns,
 * then one unsigned byte per pixel. Fashion-MNIST's train set is 60k images,
 * its test set 10k: the vectors of the public ANN benchmark
 * "fashion-mnist-784-euclidean".
 */
export function readIdxImages(path: string, limit = Infinity): Images {
  const bytes = gunzipSync(readFileSync(path))
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (view.getUint32(0) !== 0x00000803) throw new Error(`${path} is not an IDX image file`)
  const count = Math.min(view.getUint32(4), limit)
  const dim = view.getUint32(8) * view.getUint32(12)
  const data = new Float32Array(count * dim)
  for (let i = 0; i < data.length; i++) data[i] = bytes[16 + i] as number
  return { count, dim, data }
}

/**
 * Fashion-MNIST train (corpus) and test (queries). A machine without the data
 * gets it first from Debian's package, through scripts/setup-bench-data.sh
 * (as root; otherwise this throws, saying what to install).
 */
export function loadFashionMnist(
  trainLimit = Infinity,
  testLimit = Infinity,
): { train: Images; test: Images } {
  const file = (name: string) => join(FASHION_MNIST_DIR, name)
  if (!existsSync(file('train-images-idx3-ubyte.gz'))) installFashionMnist()
  return {
    train: readIdxImages(file('train-images-idx3-ubyte.gz'), trainLimit),
    test: readIdxImages(file('t10k-images-idx3-ubyte.gz'), testLimit),
  }
}

function installFashionMnist(): void {
  const script = fileURLToPath(new URL('../../scripts/setup-bench-data.sh', import.meta.url))
  try {
    execFileSync('bash', [script], { stdio: ['ignore', 'inherit', 'inherit'] })
  } catch {
    throw new Error(
      `Fashion-MNIST not found in ${FASHION_MNIST_DIR} and could not be installed: apt-get install -y dataset-fashion-mnist`,
    )
  }
}

/** Row i of an image set. */
export function row(images: Images, i: number): Float32Array {
  return images.data.subarray(i * images.dim, (i + 1) * images.dim)
}
