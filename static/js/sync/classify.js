// What a server answer means for a queued request, the one judgement every sender shares.

/**
 * "ok" (2xx), "signin" (401: the session ended), "retry" (429, 5xx: later, not no),
 * "conflict" (412: someone saved since), "duplicate" (409: the key was used for another body,
 * the MRN exists, the handoff is already signed), "invalid" (422: the nurse must fix a field),
 * "rejected" (any other refusal).
 */
export function classify(response) {
  if (response.ok) return "ok";
  const { status } = response;
  if (status === 401) return "signin";
  if (status === 429 || status >= 500) return "retry";
  if (status === 412) return "conflict";
  if (status === 409) return "duplicate";
  if (status === 422) return "invalid";
  return "rejected";
}
