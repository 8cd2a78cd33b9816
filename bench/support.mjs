// Helpers shared by the benchmarks: medians, and a proxy that adds latency to every request.
import http from 'node:http';

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/**
 * Forwards HTTP to `target` after `delayMs`: a stand-in for a remote network, where round trips,
 * not CPU, dominate.
 */
export async function delayingProxy(target, delayMs) {
  const server = http.createServer((request, response) => {
    const body = [];
    request.on('data', (chunk) => body.push(chunk));
    request.on('end', () => {
      setTimeout(() => {
        const upstream = http.request(
          new URL(request.url, target),
          { method: request.method, headers: request.headers },
          (reply) => {
            response.writeHead(reply.statusCode, reply.headers);
            reply.pipe(response);
          },
        );
        upstream.on('error', () => response.destroy());
        upstream.end(Buffer.concat(body));
      }, delayMs);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
