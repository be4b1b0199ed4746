/** Entry of the load-balancer process: ports from PORT and CONTROL_PORT, prints one ready line. */
import { startLoadBalancer } from './load-balancer.ts';

const balancer = await startLoadBalancer({
  port: Number(process.env.PORT ?? 0),
  controlPort: Number(process.env.CONTROL_PORT ?? 0),
});
console.log(
  JSON.stringify({ msg: 'load balancer listening', port: balancer.port, controlPort: balancer.controlPort }),
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void balancer.close().then(() => process.exit(0)));
}
