export * from './pages';
export * from './public-assets';
export * from './web.module';
