// k6's timers are the event loop's; Node's are the same thing here.
export const { setTimeout, clearTimeout, setInterval, clearInterval } = globalThis;
