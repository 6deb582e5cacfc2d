// A bare express JSON echo: the yardstick for the API server's create throughput.
import express from 'express';

const app = express();
app.use(express.json({ limit: '3mb' }));
app.post('/{*rest}', (req, res) => {
  res.status(201).json(req.body);
});
const server = app.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  if (addr && typeof addr === 'object') console.log(`listening on http://127.0.0.1:${addr.port}`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
