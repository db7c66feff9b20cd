import { neverConnectedCodes } from './error-codes.js';
import { DeliveryError } from './transport.js';

/**
 * The message was handed over (SMTP: the body and its final "."; HTTP: the request) and then the
 * connection failed without a reply: the server may have accepted it. The send loop does not retry it in
 * this run; the next run settles it (Sent lookup) or resends it with the same Message-ID, per --in-doubt.
 */
export function lostAfterHandOver(failure: DeliveryError): DeliveryError {
  return new DeliveryError(
    failure.kind,
    `the connection was lost after the message was handed over, so the server may have accepted it (${failure.message})`,
    { ...failure.details, handedOver: true },
  );
}

/** An HTTP send that failed without a response: handed over unless the connection was never made. */
export function httpSendFailure(failure: DeliveryError, code: string | undefined): DeliveryError {
  return code !== undefined && neverConnectedCodes.includes(code) ? failure : lostAfterHandOver(failure);
}

export function isInDoubt(failure: DeliveryError): boolean {
  return failure.details.handedOver === true;
}
