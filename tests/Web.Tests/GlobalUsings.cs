global using Cybernet.Testing;

global using Xunit;
