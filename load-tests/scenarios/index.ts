/** The scenarios `npm run load -- <name>` knows, in the order `--help` lists them. */
import type { Scenario } from '../engine/scenario';
import flashSale from './flash-sale';
import overload from './overload';
import soldOutStorm from './sold-out-storm';
import steady from './steady';

export const SCENARIOS: readonly Scenario[] = [flashSale, soldOutStorm, overload, steady];
