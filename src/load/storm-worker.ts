import { StormClients, type StormOptions } from './storm-clients.ts';
import { serveHandlers } from './worker-rpc.ts';

/** The worker thread's side of a connection storm: its clients, away from the measuring thread. */
const storm = new StormClients();

serveHandlers({
  connect: (options: StormOptions) => storm.connect(options),
  close: () => storm.close(),
  open: () => storm.open(),
});
