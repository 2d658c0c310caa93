// Nothing but the gateway on 127.0.0.1: any other URL a client script's fetch asks for is refused and
// recorded in `blocked`, which the script prints for the test to assert empty (Node's fetch ignores the
// proxy variables the Python side sets as traps). Import it before the client library.
export const blocked = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (url, init) => {
  const target = new URL(String(url instanceof Request ? url.url : url));
  if (target.hostname !== "127.0.0.1" && target.hostname !== "localhost") {
    blocked.push(target.origin);
    throw new Error(`blocked: ${target.origin}`);
  }
  return realFetch(url, init);
};
