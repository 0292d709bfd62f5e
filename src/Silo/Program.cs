using Cybernet.Silo;

var builder = WebApplication.CreateBuilder(args);
builder.AddCybernetSilo();
builder.AddPresence();

var app = builder.Build();
await app.ApplySchemaAsync();
app.MapSiloHealth();
await app.RunAsync();
