// The speech-to-text edge for the browser tests: an OpenAI-compatible
// /v1/audio/transcriptions on loopback that checks it got recorded audio as multipart and
// answers with fixed words (the one test double, like the scripted LLM of the Rust tests).
import http from "node:http";

const port = Number(process.env.FAKE_TRANSCRIBE_PORT ?? 3199);
http
  .createServer((req, res) => {
    if (req.method === "GET") return res.end("ok");
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const text = body.toString("latin1");
      const audio = /name="file"; filename="speech\.\w+"\r\nContent-Type: audio\//.test(text);
      const ok = req.url === "/v1/audio/transcriptions" && audio && body.length > 1000;
      res.writeHead(ok ? 200 : 400, { "content-type": "application/json" });
      res.end(JSON.stringify(ok ? { text: "add buy bread" } : { error: { message: "no audio" } }));
    });
  })
  .listen(port, "127.0.0.1");
