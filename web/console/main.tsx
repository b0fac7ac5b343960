import { render } from 'preact';
import { App } from './app.js';

// The page shell (GET /console) holds <div id="app"></div> and loads this module.
const root = document.getElementById('app');
if (root) render(<App />, root);
