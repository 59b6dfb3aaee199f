/**
 * Yields to the event loop for one task, so that messages waiting for this thread (the page's
 * pause or stop, a progress request) are handled, without setTimeout's clamp: browsers delay a
 * setTimeout(0) scheduled from inside timer callbacks more than 5 levels deep by at least 4 ms
 * (the HTML standard's timer nesting level), and a training loop that yields once per step through
 * setTimeout is exactly that chain, so it idled 4 ms on every step (about a tenth of a toy-B step
 * on wasm). A message on a fresh MessageChannel is an ordinary task with no clamp, in browsers,
 * workers and Node alike.
 */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}
