import { InvalidInputError } from '../../shared/errors';
import { chatCompletionsWire } from './chatCompletionsWire';
import { embeddingsWire } from './embeddingsWire';
import type { EndpointWire } from './endpointWire';
import { messagesWire } from './messagesWire';
import { responsesWire } from './responsesWire';

const wires: readonly EndpointWire[] = [chatCompletionsWire, responsesWire, embeddingsWire, messagesWire];

/** The endpoints tasks can run on. */
export const supportedEndpoints: readonly string[] = wires.map((w) => w.path);

/** The wire format of `endpoint`; an endpoint the engine cannot run is an InvalidInputError that lists the others. */
export function endpointWireFor(endpoint: string): EndpointWire {
  const wire = wires.find((w) => w.path === endpoint);
  if (wire === undefined) {
    throw new InvalidInputError(`endpoint '${endpoint}' is not supported; set the option endpoint to one of ${supportedEndpoints.join(', ')}`);
  }
  return wire;
}
