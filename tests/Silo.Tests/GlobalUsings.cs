global using Cybernet.Silo.Schema;
global using Cybernet.Testing;

global using Npgsql;

global using Orleans;
global using Orleans.Runtime;

global using Xunit;
