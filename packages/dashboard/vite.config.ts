import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built into dist/ (index.html + hashed assets/), which the server serves at `/`.
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1000 },
});
