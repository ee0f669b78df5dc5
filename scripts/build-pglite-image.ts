/**
 * Packs a pristine PGlite cluster into dist/pglite (see plugins/drivers/pglite/pglite-image.ts): a new
 * embedded store or database then starts from it instead of running initdb. Run by `prepare` and by
 * the image build; without it everything still works, only the first start is slower.
 */
import { PGLITE_IMAGE_PATH, readPristineImage, writePristineImage } from '../plugins/drivers/pglite/pglite-image.js';

if (process.argv.includes('--if-missing') && (await readPristineImage()) !== undefined) process.exit(0);
const started = performance.now();
const { path, bytes } = await writePristineImage(PGLITE_IMAGE_PATH);
console.log(`packed a pristine PGlite cluster: ${path} (${(bytes / 1_048_576).toFixed(1)} MB, ${Math.round(performance.now() - started)} ms)`);
