import { CAPTURE_API_PREFIX } from './paths.js';

/**
 * The fake hosted capture UI: one self-contained HTML document (no external assets) with a file picker, an
 * optional camera snapshot and Accept / Reject / Error buttons. It talks to the page-internal API under
 * `/_capture` and, like the real UI, posts `{ type: "authid:page", pageName, success }` to its parent window.
 * The secret is read from the URL by the script and never written into the markup.
 */
export const CAPTURE_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>authID Verified (emulator) - capture</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 0; padding: 1.5rem; background: #f5f6f8; color: #1d2330; }
  main { max-width: 28rem; margin: 0 auto; background: #fff; border-radius: 12px; padding: 1.5rem; box-shadow: 0 1px 4px #0002; }
  h1 { font-size: 1.2rem; margin-top: 0; }
  .row { display: flex; gap: .5rem; flex-wrap: wrap; margin: 1rem 0; }
  button { font-size: 1rem; padding: .6rem 1.1rem; border-radius: 8px; border: 1px solid #889; background: #fff; cursor: pointer; }
  button.primary { background: #1f6feb; border-color: #1f6feb; color: #fff; }
  button:disabled { opacity: .5; cursor: default; }
  video, img#preview { max-width: 100%; border-radius: 8px; display: none; margin-top: .5rem; }
  #status { min-height: 1.5rem; font-weight: 600; }
  .note { font-size: .8rem; color: #667; }
</style>
</head>
<body>
<main>
  <h1>Take a selfie</h1>
  <p class="note">Local emulator of the authID capture page. Nothing you pick leaves this machine.</p>
  <div class="row">
    <input id="file" type="file" accept="image/*" capture="user" aria-label="Selfie image">
    <button id="camera" type="button">Use camera</button>
    <button id="snap" type="button" disabled>Take photo</button>
  </div>
  <video id="video" autoplay playsinline muted></video>
  <img id="preview" alt="Selected selfie">
  <div class="row">
    <button id="accept" class="primary" type="button" disabled>Accept</button>
    <button id="reject" type="button" disabled>Reject</button>
    <button id="error" type="button" disabled>Error</button>
  </div>
  <p id="status" role="status">Starting...</p>
</main>
<script>
(() => {
  const api = ${JSON.stringify(CAPTURE_API_PREFIX)};
  const params = new URLSearchParams(window.location.search);
  const kind = params.has('i') ? 'operation' : params.has('t') ? 'transaction' : null;
  const id = params.get('i') || params.get('t');
  const secret = params.get('s');
  const $ = (x) => document.getElementById(x);
  const statusEl = $('status');
  const decisionButtons = [$('accept'), $('reject'), $('error')];
  let sessionId = null;
  let image = null;
  let stream = null;

  const setStatus = (text) => { statusEl.textContent = text; document.body.dataset.state = text; };
  const notify = (pageName, success) => {
    const message = { type: 'authid:page', pageName, success };
    (window.parent || window).postMessage(message, '*');
  };
  const finish = (text, pageName, success) => {
    decisionButtons.forEach((b) => { b.disabled = true; });
    if (stream) stream.getTracks().forEach((t) => t.stop());
    setStatus(text);
    document.body.dataset.page = pageName;
    notify(pageName, success);
  };
  const postJson = async (path, body) => {
    const res = await fetch(api + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    return { status: res.status, data };
  };

  if (!id || !secret) {
    finish('This system requires a properly initialized authID transaction', 'transactionNotValidPage', false);
    return;
  }

  const showPreview = (dataUrl) => {
    image = dataUrl;
    const img = $('preview');
    img.src = dataUrl;
    img.style.display = 'block';
  };

  $('file').addEventListener('change', (event) => {
    const file = event.target.files && event.target.files[0];
    if (!file) return;
    const reader = new FileReader();
    reader.onload = () => showPreview(String(reader.result));
    reader.readAsDataURL(file);
  });

  $('camera').addEventListener('click', async () => {
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'user' } });
      const video = $('video');
      video.srcObject = stream;
      video.style.display = 'block';
      $('snap').disabled = false;
    } catch (e) {
      setStatus('No camera available: pick a file instead.');
    }
  });

  $('snap').addEventListener('click', () => {
    const video = $('video');
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth || 640;
    canvas.height = video.videoHeight || 480;
    canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
    showPreview(canvas.toDataURL('image/jpeg', 0.85));
  });

  const decide = async (decision) => {
    decisionButtons.forEach((b) => { b.disabled = true; });
    setStatus('Sending...');
    try {
      const { status, data } = await postJson('/complete', { sessionId, decision, image });
      if (status === 200 && data) {
        finish(data.success ? 'Verified' : 'Not verified', data.pageName, data.success);
      } else {
        finish('This transaction is no longer valid', (data && data.pageName) || 'transactionNotValidPage', false);
      }
    } catch (e) {
      finish('Network error', 'standardErrorPage', false);
    }
  };
  $('accept').addEventListener('click', () => decide('accept'));
  $('reject').addEventListener('click', () => decide('reject'));
  $('error').addEventListener('click', () => decide('error'));

  postJson('/session', { kind, id, secret }).then(({ status, data }) => {
    if (status === 200 && data && data.sessionId) {
      sessionId = data.sessionId;
      decisionButtons.forEach((b) => { b.disabled = false; });
      setStatus('Ready');
    } else {
      finish('This transaction is not valid', (data && data.pageName) || 'transactionNotValidPage', false);
    }
  }, () => finish('Network error', 'standardErrorPage', false));
})();
</script>
</body>
</html>
`;
