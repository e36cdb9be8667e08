import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * Security headers on every answer (helmet's defaults: nosniff, HSTS, same-origin resource policy, ...), with
 * framing refused outright and one Content-Security-Policy that the two browser UIs we serve still work under:
 * Swagger UI at /docs and Bull Board at /ops/queues load only their own scripts. Both set inline styles (Bull
 * Board's loading screen, React style attributes), so styles allow 'unsafe-inline'; Bull Board asks Google Fonts
 * for its typeface.
 */
export async function installSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    global: true,
    frameguard: { action: 'deny' },
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'base-uri': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'", 'https://fonts.googleapis.com'],
        'font-src': ["'self'", 'https://fonts.gstatic.com', 'data:'],
        'img-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
      },
    },
  });
}
