import type { Delivery } from '../lib';

/** Every environment of the estate is applied by Flux from this repository's dist/. */
export const delivery: Delivery = {
  flavour: 'flux',
  repository: { url: 'https://github.com/example/shipshape-estate', branch: 'main' },
};
