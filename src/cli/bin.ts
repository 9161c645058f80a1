import { main } from './main.js'

// Exits explicitly: a driver pool or server handle left open must not keep a finished command alive.
process.exit(await main(process.argv.slice(2)))
