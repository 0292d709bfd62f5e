global using Cybernet.Testing;
global using Microsoft.Playwright;
global using Xunit;
